package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// routeDoc describes a route for the OpenAPI document.
type routeDoc struct {
	tag       string
	summary   string
	request   any    // JSON body type, nil for none
	multipart any    // multipart form fields type, nil for none
	response  any    // type of data (or of the bare body)
	list      bool   // data is a page of response items
	status    int    // success status; default 200
	errors    []int  // error statuses besides 401/403/429/500
	bare      bool   // the body is not enveloped
	raw       string // a non-JSON (or free-form) body of this media type
	sse       bool   // also answers text/event-stream
	params    []queryParam
}

type queryParam struct{ name, typ, doc string }

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
)

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	openAPIOnce.Do(func() { openAPIDoc, _ = json.MarshalIndent(s.openAPI(), "", "  ") })
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err := w.Write(openAPIDoc)
	return err
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI builds the OpenAPI 3 document from the route table; schemas come from the Go types
// the handlers encode, by reflection, so the document follows the code.
func (s *Server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		for _, p := range append([]string{rt.path}, rt.aliases...) {
			forms := []string{p}
			if rt.collection {
				forms = append(forms, p+"/")
			}
			for _, form := range forms {
				if paths[form] == nil {
					paths[form] = map[string]any{}
				}
				paths[form][strings.ToLower(rt.method)] = operation(rt, form)
			}
		}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "lorebase API", "version": "1.0.0",
			"description": "Retrieval-augmented knowledge and answer engine. Every response but the widget token is wrapped in the envelope {status, status_code, detail, data}."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"apiKey":    map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
				"apiSecret": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Secret"},
				"widget":    map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
		},
	}
}

func operation(rt route, path string) map[string]any {
	d := rt.doc
	op := map[string]any{"summary": d.summary, "tags": []string{d.tag},
		"operationId": strings.ToLower(rt.method) + operationName(path)}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if d.list {
		params = append(params,
			map[string]any{"name": "page", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "default": 1}},
			map[string]any{"name": "page_size", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}})
	}
	for _, q := range d.params {
		params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.doc, "schema": map[string]any{"type": q.typ}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	switch rt.access {
	case accessKey:
		op["security"] = []any{map[string]any{"apiKey": []string{}, "apiSecret": []string{}}}
	case accessWidget:
		op["security"] = []any{map[string]any{"apiKey": []string{}, "apiSecret": []string{}}, map[string]any{"widget": []string{}}}
	}
	if d.request != nil {
		op["requestBody"] = map[string]any{"required": true,
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(d.request))}}}
	}
	if d.multipart != nil {
		op["requestBody"] = map[string]any{"required": true,
			"content": map[string]any{"multipart/form-data": map[string]any{"schema": schemaOf(reflect.TypeOf(d.multipart))}}}
	}
	status := d.status
	if status == 0 {
		status = http.StatusOK
	}
	responses := map[string]any{}
	var body map[string]any
	switch {
	case d.raw != "":
		body = map[string]any{d.raw: map[string]any{"schema": map[string]any{"type": "string"}}}
	case d.bare:
		body = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(d.response))}}
	default:
		data := schemaOf(reflect.TypeOf(d.response))
		if d.list {
			data = map[string]any{"type": "object", "properties": map[string]any{
				"items": map[string]any{"type": "array", "items": data}, "total": map[string]any{"type": "integer"},
				"page": map[string]any{"type": "integer"}, "page_size": map[string]any{"type": "integer"}}}
		}
		body = map[string]any{"application/json": map[string]any{"schema": envelopeSchema(data)}}
		if d.sse {
			body["text/event-stream"] = map[string]any{"schema": map[string]any{"type": "string",
				"description": `data: {"type":"token","text":"..."} events, then data: {"type":"done","data":<the reply>} or data: {"type":"error","detail":"..."}`}}
		}
	}
	responses[strconv.Itoa(status)] = map[string]any{"description": http.StatusText(status), "content": body}
	errs := append([]int{}, d.errors...)
	if rt.access != accessPublic {
		errs = append(errs, 401, 403, 429)
	}
	if d.request != nil || d.multipart != nil {
		errs = append(errs, 408, 413) // a body too slow, or declared too large (body_limits.go)
	}
	errs = append(errs, 500)
	sort.Ints(errs)
	errs = slices.Compact(errs)
	for _, code := range errs {
		responses[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code),
			"content": map[string]any{"application/json": map[string]any{"schema": envelopeSchema(map[string]any{"nullable": true})}}}
	}
	op["responses"] = responses
	return op
}

func operationName(path string) string {
	var b strings.Builder
	for _, part := range strings.Split(path, "/") {
		part = strings.Trim(part, "{}")
		part = strings.ReplaceAll(strings.ReplaceAll(part, "-", "_"), ".", "_")
		for _, w := range strings.Split(part, "_") {
			if w != "" && w != "api" && w != "v1" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
	}
	return b.String()
}

func envelopeSchema(data map[string]any) map[string]any {
	return map[string]any{"type": "object", "required": []string{"status", "status_code", "detail", "data"},
		"properties": map[string]any{
			"status":      map[string]any{"type": "string", "enum": []string{"success", "error"}},
			"status_code": map[string]any{"type": "integer"},
			"detail":      map[string]any{"type": "string", "nullable": true},
			"data":        data,
		}}
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf derives a JSON schema from a Go type the way encoding/json encodes it.
func schemaOf(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		s := schemaOf(t.Elem())
		s["nullable"] = true // a nil pointer encodes as null
		return s
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "object", "additionalProperties": true} // json.RawMessage
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map, reflect.Interface:
		return map[string]any{"type": "object", "additionalProperties": true}
	case reflect.Struct:
		props := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				for k, v := range schemaOf(f.Type)["properties"].(map[string]any) {
					props[k] = v
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			ps := schemaOf(f.Type)
			if types := f.Tag.Get("types"); types != "" { // a raw JSON field that takes one of these types
				var one []any
				for _, typ := range strings.Split(types, ",") {
					one = append(one, map[string]any{"type": typ})
				}
				ps = map[string]any{"oneOf": one}
			}
			if d := f.Tag.Get("doc"); d != "" {
				ps["description"] = d
			}
			props[name] = ps
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}
