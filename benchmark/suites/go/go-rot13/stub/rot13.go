package rot13

func Rotate(s string) string {
	return s
}
