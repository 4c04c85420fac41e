package lorebase

import "time"

// Assistant is a persona that answers with the organization's knowledge.
type Assistant struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Tone           string    `json:"tone"`
	Language       string    `json:"language"`
	DefaultTasks   []string  `json:"default_tasks"`
	IsActive       bool      `json:"is_active"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// AssistantPatch holds the fields a PATCH changes; nil means unchanged.
type AssistantPatch struct {
	Name         *string
	Description  *string
	Tone         *string
	Language     *string
	DefaultTasks *[]string
	IsActive     *bool
}

// Tones an assistant may take; the prompt turns each into an instruction.
var Tones = []string{"friendly", "professional", "formal", "casual", "neutral", "empathetic", "concise", "enthusiastic"}
