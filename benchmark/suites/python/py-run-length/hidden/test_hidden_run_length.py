import unittest

from rle import rle_encode, rle_decode


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(rle_encode("aaabcc"), "3a1b2c")

    def test_02(self):
        self.assertEqual(rle_encode(""), "")

    def test_03(self):
        self.assertEqual(rle_encode("abc"), "1a1b1c")

    def test_04(self):
        self.assertEqual(rle_encode("zzzzzzzzzzzz"), "12z")

    def test_05(self):
        self.assertEqual(rle_encode("aa  b"), "2a2 1b")

    def test_06(self):
        self.assertEqual(rle_decode("3a1b2c"), "aaabcc")

    def test_07(self):
        self.assertEqual(rle_decode("12x"), "x" * 12)

    def test_08(self):
        self.assertEqual(rle_decode(""), "")

    def test_09(self):
        self.assertEqual(rle_decode(rle_encode("hello  world")), "hello  world")


if __name__ == "__main__":
    unittest.main()
