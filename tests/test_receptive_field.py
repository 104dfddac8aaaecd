"""Question 1(a): known answers by hand, a toy network, and analytic vs autograd windows."""

import pytest
from receptive_field import (
    ORIGINAL_ALEXNET,
    TORCHVISION_ALEXNET,
    Layer,
    autograd_window,
    build_features,
    centre_window,
    layer_table,
    padded_positions_unread,
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


# floor(n_out / 2) by hand, for n_out = 55, 27, 27, 13, 13, 13, 13, 6 (both networks)
CENTRES = [27, 13, 13, 6, 6, 6, 6, 3]


@pytest.mark.parametrize(
    "layers, size", [(ORIGINAL_ALEXNET, 227), (TORCHVISION_ALEXNET, 224)]
)
@pytest.mark.parametrize("depth", range(1, 9))
def test_analytic_window_equals_autograd_window(layers, size, depth):
    """The two sides share nothing: the centre index is the hand-computed one, given to
    autograd explicitly, and the trace's own choice of the centre is checked against it
    (a wrong `centre()` cannot cancel out)."""
    index = CENTRES[depth - 1]
    assert trace_back(layers, depth, index, size)[0][2:4] == (index, index)
    assert (
        centre_window(layers, depth, size)
        == trace_back(layers, depth, index, size)[-1][2:4]
    )
    lo, hi = trace_back(layers, depth, index, size)[-1][2:4]
    rows, cols, full = autograd_window(layers, depth, size, index=index)
    assert rows == cols == (lo, hi) and full
    assert autograd_window(layers, depth, size)[:2] == (rows, cols)  # default: centre


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_windows_of_the_first_and_last_units_equal_autograd(depth):
    """Off-centre units too (padding clips the first and last windows of conv2)."""
    n_out = layer_table(ORIGINAL_ALEXNET[:depth], 227)[-1]["n_out"]
    for index in (1, 2, n_out):
        lo, hi = trace_back(ORIGINAL_ALEXNET, depth, index, 227)[-1][2:4]
        window = autograd_window(ORIGINAL_ALEXNET, depth, 227, index=index)
        assert window == ((lo, hi), (lo, hi), True)


def test_full_layer_table():
    """jump j = product of strides, r_out = r_in + (k - 1) j_in, checked by hand; and
    whether each layer tiles its padded input: torchvision's conv1 leaves one position
    (224 + 4 - 11 = 217 = 54 * 4 + 1), the others tile exactly."""
    table = layer_table(ORIGINAL_ALEXNET, 227)
    assert [r["jump"] for r in table] == [4, 8, 8, 16, 16, 16, 16, 32]
    assert [r["rf"] for r in table] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert [r["n_in"] for r in table] == [227, 55, 27, 27, 13, 13, 13, 13]
    assert all(r["exact"] is True for r in table)
    exact = [r["exact"] for r in layer_table(TORCHVISION_ALEXNET, 224)]
    assert exact == [False] + [True] * 7
    # padded strided layers: 7 + 2 - 3 = 6 is a multiple of 2 and of 3
    for stride in (2, 3):
        assert layer_table((Layer("a", "conv", 3, stride, 1, 1),), 7)[0]["exact"]
    # a pool first keeps the input's channels
    pool_first = (Layer("p", "maxpool", 2, 2), Layer("c", "conv", 1, 1, 0, 5))
    assert [r["channels"] for r in layer_table(pool_first, 8)] == [3, 5]
    assert [r["channels"] for r in layer_table(pool_first, 8, 1)] == [1, 5]


def test_trace_stages_name_each_layer_and_flag_clipping():
    """conv2 (k=5, s=1, p=2) unit u reads pool1 units u-2..u+2: clipped for u = 1,
    exactly the edge but not clipped for u = 3 (1..5) and u = 25 (23..27 of 27)."""
    assert trace_back(ORIGINAL_ALEXNET, 3, 13, 227) == [
        ("conv2", 27, 13, 13, False),
        ("pool1", 27, 11, 15, False),
        ("conv1", 55, 21, 31, False),
        ("image", 227, 81, 131, False),
    ]
    assert trace_back(ORIGINAL_ALEXNET, 3, 1, 227)[1] == ("pool1", 27, 1, 3, True)
    assert trace_back(ORIGINAL_ALEXNET, 3, 3, 227)[1] == ("pool1", 27, 1, 5, False)
    assert trace_back(ORIGINAL_ALEXNET, 3, 25, 227)[1] == ("pool1", 27, 23, 27, False)


def test_the_autograd_network_keeps_geometry_channels_and_scale():
    """Convolutions with their channels; pools with their padding; every conv averages
    its window, so an all-ones image stays 1 wherever no padding is read."""
    import torch

    features = build_features(ORIGINAL_ALEXNET[:3])
    out = features(torch.ones(1, 3, 227, 227, dtype=torch.float64))
    assert out.shape == (1, 256, 27, 27)
    assert torch.allclose(out[0, :, 2:-2, 2:-2], torch.ones(1, dtype=torch.float64))
    padded_pool = build_features((Layer("p", "maxpool", 3, 2, 1),))
    assert padded_pool(torch.ones(1, 3, 7, 7)).shape == (1, 3, 4, 4)
    one_channel = (Layer("a", "conv", 3, 1, 0, 1),)
    assert autograd_window(one_channel, 1, 5, index=2) == ((2, 4), (2, 4), True)
    assert padded_positions_unread(Layer("a", "conv", 3, 1, 1), 5) == 0


def test_a_window_with_a_hole_is_not_full():
    """kernel 2, stride 3 reads pixels 1-2 and 4-5; a second layer joins two such
    units: rows 1..5 are spanned but row 3 is never read."""
    skipping = (Layer("a", "conv", 2, 3, 0, 1), Layer("b", "conv", 2, 1, 0, 1))
    assert autograd_window(skipping, 2, 7, index=1) == ((1, 5), (1, 5), False)


def test_markdown_layer_table_and_trace():
    from receptive_field import markdown_layer_table, markdown_trace

    assert markdown_layer_table(ORIGINAL_ALEXNET[:2], 227).splitlines() == [
        "| layer | label | kernel | stride | pad | input | output | jump $j$ "
        "| RF size $r$ |",
        # dashes sized to the widest cell (at least 3): pandoc reads relative widths
        "|------|--------|---|---|---|----|----------|----|----|",
        "| conv1 | Layer 1 | 11 | 4 | 0 | 227 | 55×55×96 | 4 | 11 |",
        "| pool1 | Layer 2 | 3 | 2 | 0 | 55 | 27×27×96 | 8 | 19 |",
    ]
    assert markdown_layer_table(TORCHVISION_ALEXNET[:1], 224).splitlines()[2] == (
        "| conv1 | - | 11 | 4 | 2 | 224 | 55×55×64 | 4 | 11 |"
    )
    assert markdown_trace(ORIGINAL_ALEXNET, 3, 227).splitlines() == [
        "- centre unit of Layer 3 (conv2 output, 27 wide): "
        "index $\\lfloor 27/2 \\rfloor = 13$",
        "- through conv2 ($k=5$, $s=1$, $p=2$): pool1 positions 11 to 15 of 27",
        "- through pool1 ($k=3$, $s=2$, $p=0$): conv1 positions 21 to 31 of 55",
        "- through conv1 ($k=11$, $s=4$, $p=0$): image positions 81 to 131 of 227",
    ]
    assert markdown_trace(ORIGINAL_ALEXNET, 4, 227).splitlines()[0] == (
        "- centre unit of Layer 4 (pool2 output, 13 wide): "
        "index $\\lfloor 13/2 \\rfloor = 6$"
    )
    padded = (Layer("a", "conv", 3, 1, 1, 2, "A"), Layer("b", "conv", 3, 1, 1, 2, "B"))
    assert markdown_trace(padded, 2, 3).splitlines()[1:] == [
        "- through b ($k=3$, $s=1$, $p=1$): a positions 1 to 2 of 3 "
        "(clipped to the image: padding)",
        "- through a ($k=3$, $s=1$, $p=1$): image positions 1 to 3 of 3 "
        "(clipped to the image: padding)",
    ]


def test_autograd_check_can_fail():
    """A trace with the wrong stride disagrees with autograd on the real layers."""
    wrong = (Layer("conv1", "conv", 11, 3, 0, 96),)
    assert centre_window(wrong, 1, 227) != autograd_window(ORIGINAL_ALEXNET, 1, 227)[0]


def test_answer_table_in_the_assignment_form():
    from receptive_field import markdown_answer_table

    lines = markdown_answer_table(ORIGINAL_ALEXNET, [1, 2, 3, 4], 227).splitlines()
    assert lines[0] == "| | Layer 1 | Layer 2 | Layer 3 | Layer 4 |"
    assert lines[1] == "|---|---|---|---|---|"
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
