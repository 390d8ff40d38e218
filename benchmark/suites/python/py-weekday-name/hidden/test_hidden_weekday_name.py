import unittest

from weekday import weekday_name


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(weekday_name("2024-03-15"), "Friday")

    def test_02(self):
        self.assertEqual(weekday_name("2000-01-01"), "Saturday")

    def test_03(self):
        self.assertEqual(weekday_name("2024-02-29"), "Thursday")

    def test_04(self):
        self.assertEqual(weekday_name("1999-12-27"), "Monday")

    def test_05(self):
        with self.assertRaises(ValueError):
            weekday_name("2023-02-30")

    def test_06(self):
        with self.assertRaises(ValueError):
            weekday_name("tomorrow")


if __name__ == "__main__":
    unittest.main()
