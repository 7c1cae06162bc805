import { useState } from "preact/hooks";
import { api, dateTime, ok, type Schemas } from "../api";
import { Card, Empty, ErrorNotice, Field, Loading, LoadMore, Page, Status, Tabs, usePagedList } from "../ui";

type Review = Schemas["Review"];
type ReviewStatus = "open" | "approved" | "rejected" | "blocked";

const TABS: [ReviewStatus, string][] = [
  ["open", "Waiting for you"],
  ["approved", "Approved"],
  ["rejected", "Rejected"],
  ["blocked", "Blocked leads"],
];

/**
 * The fraud engine's review queue: each flagged referral with every rule that fired and its evidence. Approving
 * releases its rewards (holds apply as usual); rejecting voids them, claws back paid ones and takes the referral
 * out of the member's counts. Members never see any of this.
 */
export function Reviews(props: { canWrite: boolean }) {
  const [tab, setTab] = useState<ReviewStatus>("open");
  const [done, setDone] = useState<string | null>(null);
  const list = usePagedList(
    (cursor) =>
      ok(api.GET("/v1/reviews", { params: { query: { status: tab, limit: 50, ...(cursor ? { cursor } : {}) } } })),
    [tab],
  );
  return (
    <Page title="Fraud reviews" lead="Referrals a fraud rule flagged: their rewards wait here until you decide.">
      <Tabs
        label="Review status"
        tabs={TABS}
        current={tab}
        onSelect={(status) => {
          setDone(null);
          setTab(status);
        }}
      />
      {done && (
        <div class="notice good" role="status">
          {done}
        </div>
      )}
      <ErrorNotice error={list.error} />
      {list.loading && list.rows.length === 0 ? (
        <Loading />
      ) : list.rows.length === 0 ? (
        <Empty>{tab === "open" ? "Nothing waits for a decision." : "None."}</Empty>
      ) : (
        list.rows.map((review) => (
          <ReviewCard
            key={review.id}
            review={review}
            canWrite={props.canWrite && review.status === "open"}
            onDecided={(text) => {
              setDone(text);
              list.reload();
            }}
          />
        ))
      )}
      <LoadMore more={list.more} />
    </Page>
  );
}

function ReviewCard(props: { review: Review; canWrite: boolean; onDecided: (text: string) => void }) {
  const r = props.review;
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const decide = async (decision: "approve" | "reject") => {
    setError(null);
    try {
      const path = decision === "approve" ? "/v1/reviews/{id}/approve" : "/v1/reviews/{id}/reject";
      await ok(api.POST(path, { params: { path: { id: r.id } }, body: { reason, expected_updated_at: r.updated_at } }));
      props.onDecided(
        `${r.friend_email ?? r.id}: ${decision === "approve" ? "approved, its rewards go on" : "rejected, its rewards are voided"}.`,
      );
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card
      title={r.friend_email ?? r.id}
      actions={
        <span class="row">
          <Status value={r.status} />
          {r.referral_id && <a href={`/admin/referrals/${r.referral_id}`}>Open the referral</a>}
        </span>
      }
    >
      <p class="muted small">
        Flagged {dateTime(r.created_at)}
        {r.member_id ? (
          <>
            {" "}
            · referred by <a href={`/admin/members/${r.member_id}`}>this member</a>
          </>
        ) : null}
        {r.decided_at ? ` · decided ${dateTime(r.decided_at)}${r.decision_reason ? `: ${r.decision_reason}` : ""}` : ""}
      </p>
      <ul class="reasons">
        {r.reasons.map((why) => (
          <li key={`${why.rule}-${why.message}`}>
            <strong>{why.rule.replace(/_/g, " ")}</strong> ({why.action}): {why.message}
            {why.evidence && Object.keys(why.evidence).length > 0 && (
              <code class="evidence">{JSON.stringify(why.evidence)}</code>
            )}
          </li>
        ))}
      </ul>
      {props.canWrite && (
        <div class="stack">
          <Field
            label={`Reason for ${r.friend_email ?? "this review"}`}
            hint="Kept with the decision and in the audit log."
          >
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </Field>
          <ErrorNotice error={error} />
          <div class="row">
            <button type="button" class="btn primary" disabled={!reason.trim()} onClick={() => decide("approve")}>
              Approve
            </button>
            <button type="button" class="btn danger" disabled={!reason.trim()} onClick={() => decide("reject")}>
              Reject
            </button>
          </div>
        </div>
      )}
    </Card>
  );
}
