package collatz

func Steps(n int) (int, error) {
	return -1, nil
}
