-- A personal link sent by email ends when its case ends (paid or closed), whichever path ended
-- it: a forwarded or leaked email no longer opens a finished case. Access codes of letters stay.
CREATE TRIGGER cases_end_email_links AFTER UPDATE OF state ON cases
FOR EACH ROW WHEN NEW.state IN ('paid', 'closed') AND OLD.state NOT IN ('paid', 'closed')
BEGIN
    UPDATE access_credentials SET revoked_at = NEW.updated_at, updated_at = NEW.updated_at
    WHERE case_id = NEW.id AND code_hash = '-' AND revoked_at IS NULL;
END;
