package main

import (
	"errors"
	"net/http"
)

// errNoZaqar is what -http reports while this module has no HTTP front.
var errNoZaqar = errors.New("-http: this build has no Zaqar HTTP front (package zaqar); use -url to drive a running Zaqar v2 server")

// newZaqarHandler returns the HTTP front that -http starts on a loopback
// port. It is the only place that names package zaqar, which is not on
// main yet; once it is, the body becomes
//
//	return zaqar.NewHandler(zaqar.Options{}), nil
func newZaqarHandler() (http.Handler, error) {
	return nil, errNoZaqar
}
