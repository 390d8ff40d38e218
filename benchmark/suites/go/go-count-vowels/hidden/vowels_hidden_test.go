package vowels

import "testing"

func TestCount(t *testing.T) {
	for in, want := range map[string]int{"": 0, "Programming in GO": 5, "rhythm": 0, "AEIOUaeiou": 10, "yay": 1} {
		if got := Count(in); got != want {
			t.Errorf("Count(%q) = %d, want %d", in, got, want)
		}
	}
}
