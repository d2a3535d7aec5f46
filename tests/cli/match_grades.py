"""The photos and the grade that test-match.py checks `looklab match`
with, shared with tools/make-match-limits.py (README's pictures of the
same cases)."""

import numpy as np
from PIL import Image


def load(path):
    """An image as RGB floats in [0, 1]."""
    return np.asarray(Image.open(path).convert("RGB"), np.float64) / 255.0


def save(path, rgb):
    Image.fromarray(np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)
                    ).save(path)


def warm(rgb):
    """A look of the training family: white-balance gains in linear light,
    then a gamma (tools/make-match-set's step_white_balance and a curve)."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92,
                   ((rgb + 0.055) / 1.055) ** 2.4)
    lin = np.clip(lin * np.array([1.25, 1.0, 0.72]), 0, 1)
    out = np.where(lin <= 0.0031308, 12.92 * lin,
                   1.055 * lin ** (1 / 2.4) - 0.055)
    return out ** 0.9
