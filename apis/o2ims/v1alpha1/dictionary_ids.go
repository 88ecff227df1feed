package v1alpha1

import "github.com/google/uuid"

// DerivedDefinitionID is the alarmDefinitionId the server gives a definition named name that
// has none in the dictionary dictionaryID (a UUID): UUIDv5 of the two, so re-applying the same
// dictionary keeps the ids alarms and SMOs refer to. Controllers that write dictionaries fill it
// in themselves so that what they want compares equal to what is stored.
func DerivedDefinitionID(dictionaryID uuid.UUID, name string) string {
	return uuid.NewSHA1(dictionaryID, []byte("AlarmDefinition/"+name)).String()
}

// DerivedProbableCauseID is DerivedDefinitionID for a probable cause with code.
func DerivedProbableCauseID(dictionaryID uuid.UUID, code string) string {
	return uuid.NewSHA1(dictionaryID, []byte("ProbableCause/"+code)).String()
}
