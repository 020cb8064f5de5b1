//go:build js && wasm

package bridge

import (
	"errors"
	"syscall/js"
)

// FetchError is a download that failed, as loader.js's fetchData and the
// workers' govaeFetch report it: Status is the HTTP status the server
// answered (404: the site does not have the file), or 0 when no answer
// came or the body broke off — a network failure, worth retrying.
type FetchError struct {
	URL    string // the path asked for, as given ("data/t10k-images-idx3-ubyte.gz")
	Status int
	Msg    string // the whole message, naming URL
}

// Error implements error.
func (e *FetchError) Error() string { return e.Msg }

// Missing reports whether the site does not have the file (HTTP 404 or
// 410): retrying will not bring it.
func (e *FetchError) Missing() bool { return e.Status == 404 || e.Status == 410 }

// HTTPStatus returns the HTTP status of a failed download (a *FetchError
// in err's chain), or 0 for a network failure or any other error.
func HTTPStatus(err error) int {
	var fe *FetchError
	if errors.As(err, &fe) {
		return fe.Status
	}
	return 0
}

// fetchError returns the rejection reason v as a *FetchError when it is
// one of loader.js's (an Error with a numeric status and a string url).
func fetchError(v js.Value) (*FetchError, bool) {
	if v.Type() != js.TypeObject || v.Get("status").Type() != js.TypeNumber || v.Get("url").Type() != js.TypeString {
		return nil, false
	}
	return &FetchError{URL: v.Get("url").String(), Status: v.Get("status").Int(), Msg: v.Get("message").String()}, true
}
