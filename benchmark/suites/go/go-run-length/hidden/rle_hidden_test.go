package rle

import "testing"

func TestEncode(t *testing.T) {
	for in, want := range map[string]string{"": "", "aaabcc": "3a1b2c", "abc": "1a1b1c", "zzzzzzzzzzzz": "12z", "aa  b": "2a2 1b"} {
		if got := Encode(in); got != want {
			t.Errorf("Encode(%q) = %q, want %q", in, got, want)
		}
	}
}
