package integrity

import (
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"strings"
)

// pae is the DSSE pre-authentication encoding the signature covers.
func pae(payloadType string, payload []byte) []byte {
	head := fmt.Sprintf("DSSEv1 %d %s %d ", len(payloadType), payloadType, len(payload))
	return append([]byte(head), payload...)
}

// compatPAE is the encoding model_signing 0.2 signed by mistake, which the
// reference verifiers still accept: "DSSEV1" with a capital V, and the
// payload inserted as Python prints a bytes object.
func compatPAE(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEV1 %d %s %d %s", len(payloadType), payloadType, len(payload), pyBytesRepr(payload))
}

// pyBytesRepr is Python's repr() of a bytes object: b'…' (or b"…" when
// the bytes hold a single quote and no double quote), with \\, \t, \n, \r
// and the quote escaped, other bytes outside printable ASCII as \xNN.
func pyBytesRepr(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.Grow(len(b) + 3)
	sb.WriteByte('b')
	sb.WriteByte(quote)
	const hexdigits = "0123456789abcdef"
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < ' ' || c >= 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte(hexdigits[c>>4])
			sb.WriteByte(hexdigits[c&0xf])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

// verifyECDSA checks an ASN.1 ECDSA signature over msg hashed with h.
func verifyECDSA(pub crypto.PublicKey, h crypto.Hash, msg, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || !h.Available() {
		return false
	}
	hh := h.New()
	hh.Write(msg)
	return ecdsa.VerifyASN1(k, hh.Sum(nil), sig)
}

// hashName names a hash for reports.
func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}
