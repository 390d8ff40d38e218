import unittest

from wrapping import wrap_words


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(wrap_words("the quick brown fox", 10), ["the quick", "brown fox"])

    def test_02(self):
        self.assertEqual(wrap_words("", 5), [])

    def test_03(self):
        self.assertEqual(wrap_words("   ", 5), [])

    def test_04(self):
        self.assertEqual(wrap_words("a b c d", 3), ["a b", "c d"])

    def test_05(self):
        self.assertEqual(wrap_words("tiny enormousword x", 6), ["tiny", "enormousword", "x"])

    def test_06(self):
        self.assertEqual(wrap_words("one\ntwo   three", 100), ["one two three"])


if __name__ == "__main__":
    unittest.main()
