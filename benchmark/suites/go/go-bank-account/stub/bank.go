package bank

type Account struct{}

func (a *Account) Deposit(amount int) error { return nil }

func (a *Account) Withdraw(amount int) error { return nil }

func (a *Account) Balance() int { return 0 }
