import unittest

from pairs import parse_pairs


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(parse_pairs(" a = 1; b=x=y ;"), {"a": "1", "b": "x=y"})

    def test_02(self):
        self.assertEqual(parse_pairs(""), {})

    def test_03(self):
        self.assertEqual(parse_pairs("k=v;;k=w"), {"k": "w"})

    def test_04(self):
        self.assertEqual(parse_pairs("empty="), {"empty": ""})

    def test_05(self):
        with self.assertRaises(ValueError):
            parse_pairs("a=1;oops")


if __name__ == "__main__":
    unittest.main()
