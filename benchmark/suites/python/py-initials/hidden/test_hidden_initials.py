import unittest

from names import initials


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(initials("ada king lovelace"), "A.K.L.")

    def test_02(self):
        self.assertEqual(initials("  grace   hopper "), "G.H.")

    def test_03(self):
        self.assertEqual(initials("linus"), "L.")

    def test_04(self):
        self.assertEqual(initials(""), "")

    def test_05(self):
        self.assertEqual(initials("   "), "")

    def test_06(self):
        self.assertEqual(initials("Mary Ann Evans"), "M.A.E.")


if __name__ == "__main__":
    unittest.main()
