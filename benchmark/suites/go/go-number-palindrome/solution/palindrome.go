package palindrome

func IsPalindrome(n int) bool {
	if n < 0 {
		return false
	}
	reversed, rest := 0, n
	for rest > 0 {
		reversed = reversed*10 + rest%10
		rest /= 10
	}
	return reversed == n
}
