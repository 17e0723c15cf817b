/** What a newly created API key secret holds until the user puts their key in it. */
export const UNSET_SECRET_VALUE = "REPLACE_WITH_YOUR_TWELVELABS_API_KEY";
