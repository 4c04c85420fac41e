package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lorebase/lorebase"
)

func TestMissingOrWrongCredentials(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cases := []struct {
		name string
		opts []reqOpt
	}{
		{"no credentials", nil},
		{"key without secret", []reqOpt{withHeader("X-API-Key", e.org.ClientID)}},
		{"wrong secret", []reqOpt{withHeader("X-API-Key", e.org.ClientID), withHeader("X-API-Secret", "lbs_wrong")}},
		{"unknown client", []reqOpt{withHeader("X-API-Key", "lbc_nobody"), withHeader("X-API-Secret", e.org.Secret)}},
		{"garbage bearer", []reqOpt{withBearer("not.a.jwt"), withHeader("Origin", "https://shop.example")}},
	}
	for _, c := range cases {
		r := e.call("GET", "/api/v1/assistants/", nil, c.opts...)
		expect(t, r, http.StatusUnauthorized)
		if !strings.HasPrefix(r.detail(), "Authentication required - ") {
			t.Errorf("%s: detail %q", c.name, r.detail())
		}
		if r.HTTP.Header.Get("X-RateLimit-Limit") != "" {
			t.Errorf("%s: unauthenticated response carries rate-limit headers", c.name)
		}
	}
	// A deactivated client stops working at once.
	if err := e.orgs.SetClientActive(context.Background(), e.org.ClientID, false); err != nil {
		t.Fatal(err)
	}
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)), http.StatusUnauthorized)
}

func widgetToken(t *testing.T, e *env, clientID, origin string) (*response, string) {
	t.Helper()
	r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": clientID}, withHeader("Origin", origin))
	var tok struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
		TokenType string `json:"token_type"`
	}
	_ = json.Unmarshal(r.Body, &tok)
	return r, tok.Token
}

func TestWidgetToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	created := e.call("POST", "/api/v1/assistants", `{"name":"Helper","description":"public","default_tasks":["internal"]}`, withKey(e.org))
	var a lorebase.Assistant
	created.data(&a)

	// Issued bare (outside the envelope) for an allowed origin, on both paths.
	r, token := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	if r.HTTP.StatusCode != 200 || token == "" {
		t.Fatalf("widget token: %d %s", r.HTTP.StatusCode, r.Body)
	}
	var bare map[string]any
	_ = json.Unmarshal(r.Body, &bare)
	if bare["expires_in"] != float64(3600) || bare["token_type"] != "Bearer" || bare["status"] != nil {
		t.Fatalf("token body = %s", r.Body)
	}
	alias := e.call("POST", "/api/auth/widget-token", map[string]string{"client_id": e.org.ClientID}, withHeader("Origin", "https://shop.example"))
	if alias.HTTP.StatusCode != 200 {
		t.Fatalf("alias path: %d %s", alias.HTTP.StatusCode, alias.Body)
	}
	claims := decodeClaims(t, token)
	if claims["scope"] != "widget" || claims["org"] != e.org.ID || claims["origin"] != "https://shop.example" {
		t.Fatalf("claims = %v", claims)
	}
	if exp := int64(claims["exp"].(float64)); exp-time.Now().Unix() > 3600 || exp-time.Now().Unix() < 3500 {
		t.Fatalf("exp in %d s", exp-time.Now().Unix())
	}

	// The token reads an assistant's public fields only, from its own origin.
	origin := withHeader("Origin", "https://shop.example")
	got := e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(token), origin)
	expect(t, got, http.StatusOK)
	var pub map[string]any
	got.data(&pub)
	if pub["name"] != "Helper" || pub["default_tasks"] != nil || pub["organization_id"] != nil {
		t.Fatalf("widget sees %v", pub)
	}
	if got.HTTP.Header.Get("X-RateLimit-Remaining") == "" {
		t.Fatal("widget response lacks rate-limit headers")
	}
	// Everything outside the widget scope is 403.
	expect(t, e.call("POST", "/api/v1/assistants/", `{"name":"x"}`, withBearer(token), origin), http.StatusForbidden)
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withBearer(token), origin), http.StatusForbidden)
	expect(t, e.call("DELETE", "/api/v1/assistants/"+a.ID, nil, withBearer(token), origin), http.StatusForbidden)
	// Another origin using the token is refused.
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(token), withHeader("Origin", "https://evil.example")), http.StatusForbidden)

	// Refusals: foreign origin, missing origin, unknown client.
	r, _ = widgetToken(t, e, e.org.ClientID, "https://evil.example")
	expect(t, r, http.StatusBadRequest)
	var code struct {
		Code string `json:"code"`
	}
	r.data(&code)
	if code.Code != "origin_not_allowed" {
		t.Fatalf("code = %q", code.Code)
	}
	r = e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID})
	expect(t, r, http.StatusBadRequest)
	r.data(&code)
	if code.Code != "missing_origin_header" {
		t.Fatalf("code = %q", code.Code)
	}
	r, _ = widgetToken(t, e, "lbc_unknown", "https://shop.example")
	expect(t, r, http.StatusUnauthorized)
}

func TestWidgetTokenForgeries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	origin := withHeader("Origin", "https://shop.example")
	claims := jwt.MapClaims{"org": e.org.ID, "cid": e.org.ClientID, "origin": "https://shop.example", "scope": "widget",
		"iss": "lorebase", "sub": "v_x", "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix()}

	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(testKey)
	r := e.call("GET", "/api/v1/assistants/00000000-0000-0000-0000-000000000000", nil, withBearer(expired), origin)
	expect(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.detail(), "expired") {
		t.Fatalf("detail = %q", r.detail())
	}

	claims["exp"] = time.Now().Add(time.Hour).Unix()
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	expect(t, e.call("GET", "/api/v1/assistants/00000000-0000-0000-0000-000000000000", nil, withBearer(none), origin), http.StatusUnauthorized)

	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, claims).SignedString(testKey)
	expect(t, e.call("GET", "/api/v1/assistants/00000000-0000-0000-0000-000000000000", nil, withBearer(hs512), origin), http.StatusUnauthorized)

	wrongKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("another-key-another-key-another-key!"))
	expect(t, e.call("GET", "/api/v1/assistants/00000000-0000-0000-0000-000000000000", nil, withBearer(wrongKey), origin), http.StatusUnauthorized)

	// A token whose scope is not widget is refused even when signed with the right key.
	claims["scope"] = "admin"
	admin, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(testKey)
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withBearer(admin), origin), http.StatusUnauthorized)
}

func decodeClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}
