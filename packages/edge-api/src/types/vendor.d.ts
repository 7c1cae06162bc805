/** Mixmax's list of role-address local parts ("info", "sales", …); the package ships no types. */
declare module "role-based-email-addresses" {
  const prefixes: string[];
  export default prefixes;
}
