import os
import unittest

from columns import column_total

HERE = os.path.dirname(os.path.abspath(__file__))
SALES_PATH = os.path.join(HERE, "sales.csv")
QUOTED_PATH = os.path.join(HERE, "quoted.csv")


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(column_total(SALES_PATH, "amount"), 17.5)

    def test_02(self):
        self.assertEqual(column_total(SALES_PATH, "units"), 6.0)

    def test_03(self):
        with self.assertRaises(KeyError):
            column_total(SALES_PATH, "price")

    def test_quoted_fields(self):
        self.assertAlmostEqual(column_total(QUOTED_PATH, "total"), 1002.5)

if __name__ == "__main__":
    unittest.main()
