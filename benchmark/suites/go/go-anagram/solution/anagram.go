package anagram

import "strings"

func letters(s string) map[rune]int {
	m := map[rune]int{}
	for _, r := range strings.ToLower(s) {
		if r != ' ' {
			m[r]++
		}
	}
	return m
}

func IsAnagram(a, b string) bool {
	ma, mb := letters(a), letters(b)
	if len(ma) != len(mb) {
		return false
	}
	for r, n := range ma {
		if mb[r] != n {
			return false
		}
	}
	return true
}
