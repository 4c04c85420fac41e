package lorebase

import "time"

// ConsoleSession is a knowledge manager signed in to the browser console: the API client its
// key pair named, and the CSRF token its page echoes on every change. The cookie's token is
// stored only as a hash and never appears here.
type ConsoleSession struct {
	OrganizationID string
	ClientID       string
	CSRFToken      string
	ExpiresAt      time.Time
}
