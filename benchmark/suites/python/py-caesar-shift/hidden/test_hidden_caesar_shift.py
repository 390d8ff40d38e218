import unittest

from cipher import shift_text


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(shift_text("abz", 1), "bca")

    def test_02(self):
        self.assertEqual(shift_text("Hello, World!", 3), "Khoor, Zruog!")

    def test_03(self):
        self.assertEqual(shift_text("a", -1), "z")

    def test_04(self):
        self.assertEqual(shift_text("Zebra", 27), "Afcsb")

    def test_05(self):
        self.assertEqual(shift_text("123 ?", 5), "123 ?")

    def test_06(self):
        self.assertEqual(shift_text("Mix", -52), "Mix")


if __name__ == "__main__":
    unittest.main()
