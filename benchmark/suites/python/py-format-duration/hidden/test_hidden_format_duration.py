import unittest

from duration import format_duration


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(format_duration(3723), "1h 2m 3s")

    def test_02(self):
        self.assertEqual(format_duration(60), "1m")

    def test_03(self):
        self.assertEqual(format_duration(7205), "2h 5s")

    def test_04(self):
        self.assertEqual(format_duration(0), "0s")

    def test_05(self):
        self.assertEqual(format_duration(59), "59s")

    def test_06(self):
        self.assertEqual(format_duration(90000), "25h")


if __name__ == "__main__":
    unittest.main()
