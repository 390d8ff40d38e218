package rot13

import "testing"

func TestRotate(t *testing.T) {
	for in, want := range map[string]string{"": "", "Hello, World!": "Uryyb, Jbeyq!", "nopqrstuvwxyz": "abcdefghijklm", "123 é": "123 é"} {
		if got := Rotate(in); got != want {
			t.Errorf("Rotate(%q) = %q, want %q", in, got, want)
		}
	}
	if Rotate(Rotate("Round Trip")) != "Round Trip" {
		t.Error("rotating twice does not give the input back")
	}
}
