"""Image transforms (torchvision's `transforms` that the Learn-the-Basics pages use and the next
ones a user reaches for): `Compose`, `ToTensor`, `Normalize`, `Lambda`, `RandomHorizontalFlip`,
`RandomCrop`. They work on tensor images of shape (..., C, H, W) on any backend; random choices are
drawn from arraygrad's default generator (seeded per worker by the DataLoader)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ..core import dtypes as _dt
from ..core.creation import as_tensor, full, rand, randint, tensor
from ..core.ops.joining import cat
from ..core.ops.rearranging import flip
from ..core.tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop"]


class Compose:
    """Applies the transforms one after the other (torchvision's `Compose`)."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """An HWC image (a PIL image or an array: NumPy, anything with `__array__`) as a CHW float
    tensor; uint8 values are scaled to [0, 1], other dtypes are kept as they are (torchvision's
    `ToTensor`)."""

    def __call__(self, pic) -> Tensor:
        if isinstance(pic, Tensor) or not (hasattr(pic, "__array__")
                                           or hasattr(pic, "__array_interface__")):
            raise TypeError(f"ToTensor(): pic should be a PIL Image or ndarray, got "
                            f"{type(pic).__name__}")
        if hasattr(pic, "getbands") and hasattr(pic, "convert") and pic.mode in ("P", "1"):
            pic = pic.convert("L" if pic.mode == "1" else "RGB")
        img = as_tensor(pic)
        if img.ndim not in (2, 3):
            raise ValueError(f"ToTensor(): pic should be 2 or 3 dimensional (HW or HWC), got "
                             f"{img.ndim} dimensions (shape {tuple(img.shape)})")
        if img.ndim == 2:
            img = img.unsqueeze(-1)
        img = img.permute(2, 0, 1)
        if img.dtype is _dt.uint8:
            return img.to(_dt.get_default_dtype()) / 255
        return img

    def __repr__(self) -> str:
        return "ToTensor()"


def _check_image(op: str, t, min_dim: int = 3) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a tensor image, got {type(t).__name__} (apply ToTensor "
                        f"first)")
    if t.ndim < min_dim:
        raise ValueError(f"{op}: expected a tensor image of size (..., C, H, W), got a tensor of "
                         f"shape {tuple(t.shape)}")


class Normalize:
    """(input - mean) / std per channel of a float tensor image (torchvision's `Normalize`)."""

    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, t: Tensor) -> Tensor:
        _check_image("Normalize()", t)
        if not t.is_floating_point():
            raise TypeError(f"Normalize(): input tensor should be a float tensor, got {t.dtype}")
        mean = tensor(self.mean, dtype=t.dtype, device=t.device).reshape(-1, 1, 1)
        std = tensor(self.std, dtype=t.dtype, device=t.device).reshape(-1, 1, 1)
        if any(s == 0 for s in std.reshape(-1).tolist()):
            raise ValueError(f"Normalize(): std evaluated to zero after conversion to {t.dtype}, "
                             f"leading to division by zero (std={self.std})")
        if self.inplace:
            return t.sub_(mean).div_(std)
        return (t - mean) / std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Applies a user function (torchvision's `Lambda`), e.g. one-hot encoding a label with
    `scatter_` as the Learn-the-Basics page does."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda(): argument lambd should be callable, got "
                            f"{type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandomHorizontalFlip:
    """Flips the image left-right (its last dimension) with probability p (torchvision's
    `RandomHorizontalFlip`)."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img: Tensor) -> Tensor:
        _check_image("RandomHorizontalFlip()", img, 2)
        if rand(1).item() < self.p:
            return flip(img, [-1])
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def _pair(size, name: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) in (1, 2):
        return (int(size[0]), int(size[-1]))
    raise ValueError(f"RandomCrop(): {name} should be an int or a sequence of one or two ints, "
                     f"got {size!r}")


def _pad(img: Tensor, left: int, top: int, right: int, bottom: int, fill) -> Tensor:
    """Constant padding of the last two dimensions, built by concatenation (every backend)."""
    *lead, h, w = img.shape
    parts = []
    if left or right:
        parts = [full((*lead, h, left), fill, dtype=img.dtype, device=img.device), img,
                 full((*lead, h, right), fill, dtype=img.dtype, device=img.device)]
        img = cat(parts, -1)
        w += left + right
    if top or bottom:
        parts = [full((*lead, top, w), fill, dtype=img.dtype, device=img.device), img,
                 full((*lead, bottom, w), fill, dtype=img.dtype, device=img.device)]
        img = cat(parts, -2)
    return img


class RandomCrop:
    """Crops a random (h, w) window from the image, after optional constant padding (`padding`:
    int, (left/right, top/bottom) or (left, top, right, bottom)) and, with `pad_if_needed`, padding
    an image smaller than the crop (torchvision's `RandomCrop`; only `padding_mode="constant"`)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant"):
        self.size = _pair(size, "size")
        if padding_mode != "constant":
            raise ValueError(f"RandomCrop(): padding_mode {padding_mode!r} is not supported; "
                             f"arraygrad pads with a constant (padding_mode='constant')")
        if padding is not None and not isinstance(padding, (numbers.Number, Sequence)):
            raise TypeError(f"RandomCrop(): padding should be an int or a sequence, got "
                            f"{type(padding).__name__}")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"RandomCrop(): padding must be an int or a 1, 2, or 4 element "
                             f"sequence, got {len(padding)} elements")
        self.padding, self.pad_if_needed, self.fill = padding, pad_if_needed, fill
        self.padding_mode = padding_mode

    def _explicit_padding(self) -> tuple[int, int, int, int]:
        p = self.padding
        if p is None:
            return 0, 0, 0, 0
        if isinstance(p, numbers.Number):
            return (int(p),) * 4
        if len(p) == 1:
            return (int(p[0]),) * 4
        if len(p) == 2:
            return int(p[0]), int(p[1]), int(p[0]), int(p[1])
        return tuple(int(v) for v in p)

    def __call__(self, img: Tensor) -> Tensor:
        _check_image("RandomCrop()", img, 2)
        img = _pad(img, *self._explicit_padding(), self.fill)
        th, tw = self.size
        h, w = img.shape[-2], img.shape[-1]
        if self.pad_if_needed and w < tw:
            img = _pad(img, tw - w, 0, tw - w, 0, self.fill)
        if self.pad_if_needed and h < th:
            img = _pad(img, 0, th - h, 0, th - h, self.fill)
        h, w = img.shape[-2], img.shape[-1]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop(): required crop size {(th, tw)} is larger than the "
                             f"input image size {(h, w)}")
        if h == th and w == tw:
            return img
        i = randint(0, h - th + 1, size=(1,)).item()
        j = randint(0, w - tw + 1, size=(1,)).item()
        return img[..., i:i + th, j:j + tw]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"
