-- The handler's queue is read in one order: due time, then how important the kind of work is
-- (its position in WorkKind's ALL_KINDS), then key accounts before the others, then age. The
-- agency and that rank are kept on the open item so an index delivers the queue in order and
-- counts it, instead of sorting every open item of the agency per request. Triggers keep both
-- right whoever inserts the item or moves the case to another class; a test compares the rank
-- with WorkKind::importance for every kind.
ALTER TABLE work_items ADD COLUMN agency_id BIGINT REFERENCES agencies (id);
ALTER TABLE work_items ADD COLUMN queue_rank BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION work_item_queue_rank(item_kind TEXT, item_case BIGINT) RETURNS BIGINT AS $$
    SELECT 2 * (CASE item_kind WHEN 'dispute' THEN 0 WHEN 'payment_claim' THEN 1 WHEN 'plan' THEN 2
                               WHEN 'escalation_decision' THEN 3 WHEN 'broken_plan' THEN 4
                               WHEN 'message' THEN 5 WHEN 'unmatched_payment' THEN 6 ELSE 99 END)
        + (CASE WHEN EXISTS (SELECT 1 FROM cases c JOIN treatment_classes tc ON tc.id = c.treatment_class_id
                             WHERE c.id = item_case AND tc.key = 'key_account') THEN 0 ELSE 1 END)
$$ LANGUAGE sql STABLE;

UPDATE work_items SET
    agency_id = (SELECT cr.agency_id FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
                 WHERE c.id = work_items.case_id),
    queue_rank = work_item_queue_rank(kind, case_id);

CREATE FUNCTION work_items_queue_order() RETURNS trigger AS $$
BEGIN
    NEW.agency_id := (SELECT cr.agency_id FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
                      WHERE c.id = NEW.case_id);
    NEW.queue_rank := work_item_queue_rank(NEW.kind, NEW.case_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER work_items_queue_order BEFORE INSERT ON work_items
    FOR EACH ROW EXECUTE FUNCTION work_items_queue_order();

CREATE FUNCTION cases_class_queue_order() RETURNS trigger AS $$
BEGIN
    UPDATE work_items SET queue_rank = work_item_queue_rank(kind, case_id)
    WHERE case_id = NEW.id AND done_at IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_class_queue_order AFTER UPDATE OF treatment_class_id ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_class_queue_order();

CREATE INDEX work_items_queue_idx ON work_items (agency_id, due_at, queue_rank, id) WHERE done_at IS NULL;
