import unittest

from bank import Account


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(Account("ann").balance(), 0)

    def test_02(self):
        self.assertEqual(Account("ann").owner, "ann")

    def test_03(self):
        self.assertEqual(Account("bo").deposit(30), 30)

    def test_04(self):
        with self.assertRaises(ValueError):
            Account("x").deposit(0)

    def test_05(self):
        with self.assertRaises(ValueError):
            Account("x").withdraw(-5)

    def test_sequence(self):
        acct = Account("cy")
        acct.deposit(100)
        self.assertEqual(acct.withdraw(30), 70)
        self.assertEqual(acct.deposit(5), 75)
        self.assertEqual(acct.balance(), 75)

    def test_overdraft_leaves_balance(self):
        acct = Account("di")
        acct.deposit(10)
        with self.assertRaises(ValueError):
            acct.withdraw(11)
        self.assertEqual(acct.balance(), 10)

if __name__ == "__main__":
    unittest.main()
