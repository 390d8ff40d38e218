package anagram

import "testing"

func TestIsAnagram(t *testing.T) {
	yes := [][2]string{{"Dormitory", "dirty room"}, {"listen", "silent"}, {"", ""}, {"A", "a"}}
	no := [][2]string{{"abc", "abd"}, {"aab", "abb"}, {"abc", "abcc"}}
	for _, p := range yes {
		if !IsAnagram(p[0], p[1]) {
			t.Errorf("IsAnagram(%q, %q) = false", p[0], p[1])
		}
	}
	for _, p := range no {
		if IsAnagram(p[0], p[1]) {
			t.Errorf("IsAnagram(%q, %q) = true", p[0], p[1])
		}
	}
}
