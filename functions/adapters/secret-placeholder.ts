/** What a newly created API key secret holds until the user puts their key in it. */
export const UNSET_SECRET_VALUE = "REPLACE_WITH_YOUR_TWELVELABS_API_KEY";

/** What the TwelveLabs webhook secret holds until the user puts the endpoint's secret in it. */
export const UNSET_TL_WEBHOOK_SECRET = "REPLACE_WITH_YOUR_TWELVELABS_WEBHOOK_SECRET";
