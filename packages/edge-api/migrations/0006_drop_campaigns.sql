-- The campaigns table (0001) was never read or written: a campaign is the free-text `campaign` of a visit or
-- referral (from `?vsrc=`/`utm_campaign`), grouped in analytics. Dropped so the schema says what is used.
DROP TABLE campaigns;
