package palindrome

func IsPalindrome(n int) bool {
	return false
}
