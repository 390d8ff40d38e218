package palindrome

import "testing"

func TestIsPalindrome(t *testing.T) {
	for n, want := range map[int]bool{0: true, 7: true, 10: false, 121: true, 12321: true, 123: false, -121: false, 1001: true} {
		if got := IsPalindrome(n); got != want {
			t.Errorf("IsPalindrome(%d) = %v, want %v", n, got, want)
		}
	}
}
