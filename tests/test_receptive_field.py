"""Question 1(a): known answers by hand, a toy network, and analytic vs autograd windows."""

import pytest
from receptive_field import (
    ORIGINAL_ALEXNET,
    TORCHVISION_ALEXNET,
    Layer,
    autograd_window,
    centre_window,
    layer_table,
    trace_back,
)


def test_layer_1_by_hand():
    """conv1 (k=11, s=4, p=0): unit 27 reads pixels (27-1)*4+1 = 105 to (27-1)*4+11 = 115."""
    assert centre_window(ORIGINAL_ALEXNET, 1, 227) == (105, 115)


def test_layer_2_by_hand():
    """pool1 (k=3, s=2): unit 13 reads conv1 units 25-27, i.e. pixels 24*4+1 = 97 to 26*4+11 = 115."""
    stages = trace_back(ORIGINAL_ALEXNET, 2, 13, 227)
    assert [(lo, hi) for _, _, lo, hi, _ in stages] == [(13, 13), (25, 27), (97, 115)]


def test_sizes_of_the_assignment_figure():
    table = layer_table(ORIGINAL_ALEXNET, 227)
    assert [(r["n_out"], r["channels"]) for r in table] == [
        (55, 96),
        (27, 96),
        (27, 256),
        (13, 256),
        (13, 384),
        (13, 384),
        (13, 256),
        (6, 256),
    ]
    assert [r["rf"] for r in table[:4]] == [11, 19, 51, 67]
    assert [
        hi - lo + 1
        for lo, hi in (centre_window(ORIGINAL_ALEXNET, d, 227) for d in (1, 2, 3, 4))
    ] == [11, 19, 51, 67]


TOY = (Layer("a", "conv", 3, 1, 0, 2), Layer("b", "conv", 3, 1, 0, 2))


def test_toy_two_3x3_convolutions():
    """Two 3x3 convs, no padding, on 7x7: output 3x3, unit i reads pixels i..i+4 (size 5)."""
    assert [r["n_out"] for r in layer_table(TOY, 7)] == [5, 3]
    assert [r["rf"] for r in layer_table(TOY, 7)] == [3, 5]
    for i in (1, 2, 3):
        assert trace_back(TOY, 2, i, 7)[-1][2:4] == (i, i + 4)
        assert autograd_window(TOY, 2, 7, index=i)[:2] == ((i, i + 4), (i, i + 4))


def test_padding_is_clipped_and_reported():
    padded = (Layer("a", "conv", 3, 1, 1, 2), Layer("b", "conv", 3, 1, 1, 2))
    *_, (where, size, lo, hi, clipped) = trace_back(padded, 2, 1, 7)
    assert (where, size, lo, hi, clipped) == ("image", 7, 1, 3, True)
    assert autograd_window(padded, 2, 7, index=1)[:2] == ((1, 3), (1, 3))


@pytest.mark.parametrize(
    "layers, size", [(ORIGINAL_ALEXNET, 227), (TORCHVISION_ALEXNET, 224)]
)
@pytest.mark.parametrize("depth", range(1, 9))
def test_analytic_window_equals_autograd_window(layers, size, depth):
    lo, hi = centre_window(layers, depth, size)
    rows, cols, full = autograd_window(layers, depth, size)
    assert rows == cols == (lo, hi) and full


def test_autograd_check_can_fail():
    """A trace with the wrong stride disagrees with autograd on the real layers."""
    wrong = (Layer("conv1", "conv", 11, 3, 0, 96),)
    assert centre_window(wrong, 1, 227) != autograd_window(ORIGINAL_ALEXNET, 1, 227)[0]


def test_answer_table_in_the_assignment_form():
    from receptive_field import markdown_answer_table

    lines = markdown_answer_table(ORIGINAL_ALEXNET, [1, 2, 3, 4], 227).splitlines()
    assert lines[0] == "| | Layer 1 | Layer 2 | Layer 3 | Layer 4 |"
    assert lines[2:] == [
        "| Height 1 | 105 | 97 | 81 | 65 |",
        "| Height 2 | 115 | 115 | 131 | 131 |",
        "| Width 1 | 105 | 97 | 81 | 65 |",
        "| Width 2 | 115 | 115 | 131 | 131 |",
    ]


def test_torchvision_conv1_reads_every_pixel_but_not_the_last_padding():
    """224 + 2*2 - 11 = 217 = 54*4 + 1: the last of the 228 padded positions is unread;
    the first 2 and the last 1 are padding, so every image pixel is read."""
    from receptive_field import padded_positions_unread, pixels_read

    assert padded_positions_unread(TORCHVISION_ALEXNET[0], 224) == 1
    assert padded_positions_unread(ORIGINAL_ALEXNET[0], 227) == 0
    assert pixels_read(TORCHVISION_ALEXNET, 1, 224) == (224, 224)
    # a layer that skips pixels: kernel 2, stride 3 on 7 reads 1-2 and 4-5 only
    skipping = (Layer("a", "conv", 2, 3, 0, 1),)
    assert padded_positions_unread(skipping[0], 7) == 2
    assert pixels_read(skipping, 1, 7) == (4, 4)
