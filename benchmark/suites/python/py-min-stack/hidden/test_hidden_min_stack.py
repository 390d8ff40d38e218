import unittest

from minstack import MinStack


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(len(MinStack()), 0)

    def test_02(self):
        with self.assertRaises(IndexError):
            MinStack().pop()

    def test_03(self):
        with self.assertRaises(IndexError):
            MinStack().peek()

    def test_04(self):
        with self.assertRaises(IndexError):
            MinStack().minimum()

    def test_minimum_follows_pops(self):
        s = MinStack()
        for v in (5, 3, 7, 1, 4):
            s.push(v)
        self.assertEqual(len(s), 5)
        self.assertEqual(s.minimum(), 1)
        self.assertEqual(s.pop(), 4)
        self.assertEqual(s.pop(), 1)
        self.assertEqual(s.minimum(), 3)
        self.assertEqual(s.peek(), 7)
        self.assertEqual(len(s), 3)

    def test_equal_values(self):
        s = MinStack()
        s.push(2)
        s.push(2)
        s.pop()
        self.assertEqual(s.minimum(), 2)

if __name__ == "__main__":
    unittest.main()
