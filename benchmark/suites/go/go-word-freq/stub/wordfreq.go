package wordfreq

func Count(text string) map[string]int {
	return nil
}
