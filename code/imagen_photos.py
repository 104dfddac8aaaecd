"""The imagen photos the report may draw from, with their ImageNet-1k classes.

The photos are samples of ImageNet classes published in github.com/ajschumacher/imagen
(folder `imagen`, at the commit below); they are not part of the project: each is found
in a local folder or downloaded, and checked against its sha256 here.  File names are
`<wnid>_<id>_<label>.jpg`; the wnid (WordNet id) gives the ImageNet-1k class index, the
position of the wnid in the ILSVRC-2012 synset list (None: not an ImageNet-1k class).
Two photos of each of 14 classes, and three awkward files: a greyscale JPEG (chime), a
40x122 thumbnail (remote control) and a 2848x2136 photo of a hamburger (not an
ImageNet-1k class).
"""

IMAGEN_COMMIT = "2e8718956e3bb046db9a8e488c2254fd9846b6c5"

# fmt: off
IMAGEN_PHOTOS = (  # (file name, wnid, ImageNet-1k class index, sha256 of the file)
    ("n01443537_11099_goldfish.jpg", "n01443537", 1,
     "97ca5722db30923396e2e8ee4098bc0b5fa70049e33348fe84e8b6e71d85518e"),
    ("n01443537_2625_goldfish.jpg", "n01443537", 1,
     "6259920b6824688395238dd325b8a16bec5c32ba310bbeb5189c487ebf0e015b"),
    ("n01882714_11108_koala_bear.jpg", "n01882714", 105,
     "f5b2f15a3a4087e45450f15096fce9c7c4d07e26412773db3591cfeef50258bc"),
    ("n01882714_11334_koala_bear.jpg", "n01882714", 105,
     "48748c5a8f9c9c5dfc46dd441cccb5dfec1a663f4ede3e9c7b0a45655c588d7c"),
    ("n01910747_13396_jellyfish.jpg", "n01910747", 107,
     "b7b1253a615233e59bbf636d7a0b48e4d5f20fd927e22a9e1dca2bc0e3fdd374"),
    ("n01910747_1551_jellyfish.jpg", "n01910747", 107,
     "96df6653aa7de6623c8b9243f4856f970b456ae721b420bae815d4648ead4fd1"),
    ("n02129604_20374_tiger.jpg", "n02129604", 292,
     "b6f2a4aff96f01c4e38f9caa5fd1fa9bd906058c78507c9d4436f02e63fdc124"),
    ("n02129604_4493_tiger.jpg", "n02129604", 292,
     "3f5bce05c5a78e075bec22f8e8c157ba963ed297bf2e8674df6b91a4521207b1"),
    ("n02165456_12394_ladybug.jpg", "n02165456", 301,
     "5f2a054e23cb50b829aeb5044053b6dce457405c122302c5349af301c4e49be9"),
    ("n02165456_18815_ladybug.jpg", "n02165456", 301,
     "653ae82c9132253303d6de85a2ad26d5b885b9b6e8ef4970edc4dd6634a82668"),
    ("n02317335_12859_starfish.jpg", "n02317335", 327,
     "c50b3a80acf6838a875a4ed8e069994ff81fac9509b1ff38b014c7bd15182f4c"),
    ("n02317335_14997_starfish.jpg", "n02317335", 327,
     "6e8d26bbf987ad5d25d6fd89b35bab05c15465a92328118b883794d23d608233"),
    ("n02391049_2847_zebra.jpg", "n02391049", 340,
     "37cf33413b4cbbd43fe55053b94153e72caacf3ce083b0a55270fa176ccfda3c"),
    ("n02391049_6947_zebra.jpg", "n02391049", 340,
     "154ba3843a2c8267f7b84bd64af1190cc3fe6c9b7f1a127e887bb2d5ed64b5f9"),
    ("n02510455_12383_giant_panda.jpg", "n02510455", 388,
     "87c8bc266b819a72617297b0b055d5be70f0a6c788839adb6636226e21204983"),
    ("n02510455_1364_giant_panda.jpg", "n02510455", 388,
     "6ff22643f2209e008ba339ae5e0a5164b43f206e1af2e9123bc3e8f054dafa68"),
    ("n03017168_6589_chime.jpg", "n03017168", 494,
     "9fdf991a05872b94cd0b44b4b8d29255c46bb910095311bb6bead65365397802"),
    ("n03445777_143_golf_ball.jpg", "n03445777", 574,
     "3fae1438ba02938d09febcb002b94ab2e9372dae1956f25ce89ba3d286096f35"),
    ("n03445777_4354_golf_ball.jpg", "n03445777", 574,
     "6c4c503df74467cae7e7b2b307ad281919f8f24c0928040b055a898493caadbc"),
    ("n04074963_15621_remote_control.jpg", "n04074963", 761,
     "bcd2be7a94d2fd3626d7b8d7a43156cb15c888fc6008c4d77d27ce0fee46600f"),
    ("n04536866_11045_violin.jpg", "n04536866", 889,
     "63a734c47650e30fd005a329679f4a63ddadba74fdf2b9225702b89cbb045ef1"),
    ("n04536866_14473_violin.jpg", "n04536866", 889,
     "bbf7c8f18041db841da6c8912a8af23e526c5290a9d141719b41b8883b1c4e82"),
    ("n07697100_25048_hamburger.jpg", "n07697100", None,
     "f9659a46e4410fdf824328e313d9b9931a1107b92309c24f6a1a4e999cca8765"),
    ("n07745940_13408_strawberry.jpg", "n07745940", 949,
     "f83a8fcce786d0a4e0ea14d6c8f7cf9a8cf658cf0b5720be190a4ea7dcb15846"),
    ("n07745940_1671_strawberry.jpg", "n07745940", 949,
     "f700277cbb305d2730bd2fb4d3e41434396e217a930f6803197292647f26cb10"),
    ("n07749582_16107_lemon.jpg", "n07749582", 951,
     "1891079e8a7571c398e60f6c4b17bf7282bfffe06dd502c1a7df8c2e743960e0"),
    ("n07749582_16812_lemon.jpg", "n07749582", 951,
     "a838532e2d9cd7edafe5644be708215e9ff3e7254d5aa2647964ac5c118f0cf2"),
    ("n07753592_1896_banana.jpg", "n07753592", 954,
     "322d6b42ca6856eb1820d37bfe5ca6d155400963e38b8d2271dfa4bb315b5cb8"),
    ("n07753592_4487_banana.jpg", "n07753592", 954,
     "13073bd49abc4709af5bc5ae5d34df93ed077588da547279c6ec53d36bad6c0b"),
    ("n07873807_1051_pizza.jpg", "n07873807", 963,
     "94bb5ace5bcdbc1d26764f54e14a1d6389e6474ac0e73539880b6e4940906574"),
    ("n07873807_10788_pizza.jpg", "n07873807", 963,
     "a49be89bc9bf66ba3101c11559bf0b1ac676d1e2effa0b16c938510fd5db008b"),
)
# fmt: on
