package bank

import "testing"

func TestAccount(t *testing.T) {
	var a Account
	if a.Balance() != 0 {
		t.Fatal("a new account is not empty")
	}
	if err := a.Deposit(100); err != nil {
		t.Fatal(err)
	}
	if err := a.Withdraw(30); err != nil {
		t.Fatal(err)
	}
	if a.Balance() != 70 {
		t.Fatalf("balance %d, want 70", a.Balance())
	}
	if a.Withdraw(71) == nil || a.Deposit(0) == nil || a.Deposit(-5) == nil || a.Withdraw(-1) == nil {
		t.Fatal("a bad amount gave no error")
	}
	if a.Balance() != 70 {
		t.Fatalf("a refused operation changed the balance to %d", a.Balance())
	}
}
