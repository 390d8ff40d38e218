package reverse

import "testing"

func TestReverse(t *testing.T) {
	cases := map[string]string{"": "", "a": "a", "abc": "cba", "héllo": "olléh", "日本語": "語本日", "ab ba!": "!ab ba"}
	for in, want := range cases {
		if got := Reverse(in); got != want {
			t.Errorf("Reverse(%q) = %q, want %q", in, got, want)
		}
	}
}
