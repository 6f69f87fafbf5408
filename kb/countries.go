package kb

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// iso3166 is the list of ISO 3166-1 alpha-2 codes with their names; the
// file's header cites where it comes from.
//
//go:embed iso3166-1.txt
var iso3166 string

var (
	countriesOnce sync.Once
	countryNames  map[string]string
	countryCodes  []string
)

func loadCountries() {
	countryNames = map[string]string{}
	for line := range strings.Lines(iso3166) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, name, _ := strings.Cut(line, "\t")
		countryNames[code] = name
		countryCodes = append(countryCodes, code)
	}
	slices.Sort(countryCodes)
}

// IsCountry reports whether code is an officially assigned ISO 3166-1
// alpha-2 code, written as the standard writes it: two capital letters
// ("CN", not "cn" or "China").
func IsCountry(code string) bool {
	countriesOnce.Do(loadCountries)
	_, ok := countryNames[code]
	return ok
}

// CountryName returns the short English name of an ISO 3166-1 alpha-2
// code ("CN" → "China"), or "" for a code that is not one.
func CountryName(code string) string {
	countriesOnce.Do(loadCountries)
	return countryNames[code]
}

// CountryCodes returns every ISO 3166-1 alpha-2 code, sorted.
func CountryCodes() []string {
	countriesOnce.Do(loadCountries)
	return slices.Clone(countryCodes)
}

// CountryCode returns the code a country name or a code in other case
// stands for ("china", "China", "cn" → "CN"), or "" when it stands for
// none; errors use it to suggest the code meant.
func CountryCode(s string) string {
	countriesOnce.Do(loadCountries)
	s = strings.TrimSpace(s)
	if up := strings.ToUpper(s); IsCountry(up) {
		return up
	}
	for _, code := range countryCodes {
		if strings.EqualFold(countryNames[code], s) {
			return code
		}
	}
	return ""
}
