import unittest

from grades import letter_grade


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(letter_grade(100), "A")

    def test_02(self):
        self.assertEqual(letter_grade(90), "A")

    def test_03(self):
        self.assertEqual(letter_grade(89), "B")

    def test_04(self):
        self.assertEqual(letter_grade(70), "C")

    def test_05(self):
        self.assertEqual(letter_grade(65), "D")

    def test_06(self):
        self.assertEqual(letter_grade(59), "F")

    def test_07(self):
        self.assertEqual(letter_grade(0), "F")

    def test_08(self):
        with self.assertRaises(ValueError):
            letter_grade(101)

    def test_09(self):
        with self.assertRaises(ValueError):
            letter_grade(-1)


if __name__ == "__main__":
    unittest.main()
