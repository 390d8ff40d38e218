import unittest

from case import to_snake


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(to_snake("helloWorld"), "hello_world")

    def test_02(self):
        self.assertEqual(to_snake("HelloWorld"), "hello_world")

    def test_03(self):
        self.assertEqual(to_snake("already"), "already")

    def test_04(self):
        self.assertEqual(to_snake("getUserId2"), "get_user_id2")

    def test_05(self):
        self.assertEqual(to_snake("aB"), "a_b")

    def test_06(self):
        self.assertEqual(to_snake(""), "")


if __name__ == "__main__":
    unittest.main()
