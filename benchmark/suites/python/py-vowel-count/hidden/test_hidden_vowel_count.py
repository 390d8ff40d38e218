import unittest

from vowels import count_vowels


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(count_vowels("Audio"), {"a": 1, "e": 0, "i": 1, "o": 1, "u": 1})

    def test_02(self):
        self.assertEqual(count_vowels(""), {"a": 0, "e": 0, "i": 0, "o": 0, "u": 0})

    def test_03(self):
        self.assertEqual(count_vowels("EEE eee xyz"), {"a": 0, "e": 6, "i": 0, "o": 0, "u": 0})

    def test_04(self):
        self.assertEqual(count_vowels("Banana Split"), {"a": 3, "e": 0, "i": 1, "o": 0, "u": 0})


if __name__ == "__main__":
    unittest.main()
