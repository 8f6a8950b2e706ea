"""transforms: ToTensor's layout and scaling, Normalize, Lambda (one-hot by scatter_ as the
tutorial), the random flips and crops (reproducible from the seed) on every backend."""

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import transforms as T


def test_to_tensor_hwc_uint8_to_chw_unit_floats():
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    t = T.ToTensor()(img)
    assert t.shape == (3, 2, 3) and t.dtype is ag.float32
    np.testing.assert_allclose(t.numpy(), img.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    gray = T.ToTensor()(np.full((4, 5), 255, np.uint8))
    assert gray.shape == (1, 4, 5) and gray.max().item() == 1.0
    floats = T.ToTensor()(np.full((2, 2, 1), 7.0, np.float64))
    assert floats.dtype is ag.float64 and floats.max().item() == 7.0  # no scaling


def test_to_tensor_accepts_pil_images_and_rejects_tensors():
    Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")

    img = Image.fromarray(np.full((4, 6, 3), 51, np.uint8))
    t = T.ToTensor()(img)
    assert t.shape == (3, 4, 6) and abs(t[0, 0, 0].item() - 0.2) < 1e-6
    with pytest.raises(TypeError, match="pic should be a PIL Image or ndarray"):
        T.ToTensor()(ag.zeros(3, 2, 2))


def test_normalize_per_channel(device):
    x = ag.rand(2, 3, 4, dtype=ag.float64).to(device)
    out = T.Normalize([0.5, 0.25], [2.0, 0.5])(x)
    ref = (x.numpy() - np.array([0.5, 0.25])[:, None, None]) / np.array([2.0, 0.5])[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    assert out.device == ag.device(device)


def test_normalize_errors():
    with pytest.raises(TypeError, match="should be a float tensor"):
        T.Normalize([0.0], [1.0])(ag.zeros(1, 2, 2, dtype=ag.int64))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.0], [0.0])(ag.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"size \(\.\.\., C, H, W\)"):
        T.Normalize([0.0], [1.0])(ag.zeros(2, 2))


def test_target_lambda_one_hot_with_the_tutorials_0d_index():
    target = T.Lambda(lambda y: ag.zeros(10, dtype=ag.float32).scatter_(0, ag.tensor(y),
                                                                        value=1))
    assert target(3).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]


def test_compose_and_target_lambda_one_hot_by_scatter():
    target = T.Lambda(lambda y: ag.zeros(10, dtype=ag.float32).scatter_(0, ag.tensor([y]),
                                                                        value=1))
    assert target(3).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    pipe = T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])])
    out = pipe(np.full((2, 2), 255, np.uint8))
    assert out.tolist() == [[[1.0, 1.0], [1.0, 1.0]]]
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


def test_random_horizontal_flip(device):
    x = ag.arange(6, dtype=ag.float32).reshape(1, 2, 3).to(device)
    assert T.RandomHorizontalFlip(p=1.0)(x).tolist() == [[[2, 1, 0], [5, 4, 3]]]
    assert T.RandomHorizontalFlip(p=0.0)(x).tolist() == x.tolist()
    ag.manual_seed(1)
    h = x.cpu()  # the draws do not depend on the device: count them on the host
    flips = [T.RandomHorizontalFlip()(h).tolist() != h.tolist() for _ in range(200)]
    assert 60 < sum(flips) < 140


def test_random_crop_padding_and_reproducibility(device):
    x = ag.arange(16, dtype=ag.float32).reshape(1, 4, 4).to(device)
    ag.manual_seed(3)
    a = T.RandomCrop(2)(x)
    ag.manual_seed(3)
    b = T.RandomCrop(2)(x)
    assert a.shape == (1, 2, 2) and a.tolist() == b.tolist() and a.device == ag.device(device)
    full = x.numpy()[0]
    i, j = np.argwhere(full == a.numpy()[0, 0, 0])[0]
    assert a.tolist()[0] == full[i:i + 2, j:j + 2].tolist()
    padded = T.RandomCrop(6, padding=1, fill=-1)(x)
    assert padded.shape == (1, 6, 6) and padded[0, 0].tolist() == [-1] * 6
    grown = T.RandomCrop((5, 6), pad_if_needed=True)(x)
    assert grown.shape == (1, 5, 6)


def test_random_crop_errors():
    with pytest.raises(ValueError, match=r"required crop size \(5, 5\) is larger than the input "
                                         r"image size \(4, 4\)"):
        T.RandomCrop(5)(ag.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        T.RandomCrop(2, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="padding_mode 'reflect' is not supported"):
        T.RandomCrop(2, padding_mode="reflect")


def test_transforms_reachable_as_attribute():
    assert ag.data.transforms.ToTensor is T.ToTensor
