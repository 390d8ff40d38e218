package capitalize

func Words(s string) string {
	return s
}
