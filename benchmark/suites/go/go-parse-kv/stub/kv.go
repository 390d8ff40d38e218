package kv

func Parse(s string) (map[string]string, error) {
	return nil, nil
}
