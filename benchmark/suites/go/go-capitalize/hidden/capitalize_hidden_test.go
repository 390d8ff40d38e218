package capitalize

import "testing"

func TestWords(t *testing.T) {
	for in, want := range map[string]string{"": "", "hello big world": "Hello Big World", "a": "A", "iPhone case": "IPhone Case", "élan vital": "Élan Vital"} {
		if got := Words(in); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}
