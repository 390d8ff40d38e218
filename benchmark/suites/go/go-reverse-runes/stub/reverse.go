package reverse

func Reverse(s string) string {
	return ""
}
