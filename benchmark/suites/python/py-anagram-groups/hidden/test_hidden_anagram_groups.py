import unittest

from anagrams import group_anagrams


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(group_anagrams(["tea", "eat", "tan", "ate", "nat", "bat"]), [["ate", "eat", "tea"], ["bat"], ["nat", "tan"]])

    def test_02(self):
        self.assertEqual(group_anagrams([]), [])

    def test_03(self):
        self.assertEqual(group_anagrams(["one"]), [["one"]])

    def test_04(self):
        self.assertEqual(group_anagrams(["listen", "silent", "enlist", "google"]), [["enlist", "listen", "silent"], ["google"]])


if __name__ == "__main__":
    unittest.main()
