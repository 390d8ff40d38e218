import unittest

from palindrome import is_palindrome


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(is_palindrome("Never odd or even."), True)

    def test_02(self):
        self.assertEqual(is_palindrome("abc"), False)

    def test_03(self):
        self.assertEqual(is_palindrome(""), True)

    def test_04(self):
        self.assertEqual(is_palindrome("12 3 21"), True)

    def test_05(self):
        self.assertEqual(is_palindrome("Ab,Ba!"), True)

    def test_06(self):
        self.assertEqual(is_palindrome("ab1ba2"), False)


if __name__ == "__main__":
    unittest.main()
