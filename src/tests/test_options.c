/* test_options.c: which saved options make the options file a secret (options.h), and how
 * --wait compares the agent's cluster with ecs.config's (step_wait.c). */
#include <stdbool.h>

#include "options.h"
#include "steps.h"
#include "tap.h"

int main(void)
{
	OK(!options_url_secret(NULL), "no URL: no secret");
	OK(!options_url_secret("s3://bucket/fragment.config"), "s3:// URL: no secret");
	OK(!options_url_secret("https://mirror.example/ecs/agent.tar"), "plain https URL: no secret");
	OK(options_url_secret("https://bucket.s3.amazonaws.com/f?X-Amz-Signature=abc"), "presigned (query string): secret");
	OK(options_url_secret("https://user:pw@mirror.example/agent.tar"), "user info: secret");
	OK(!options_url_secret("https://mirror.example/a@b/agent.tar"), "an @ in the path is not user info");

	OK(wait_same_cluster("prod", "prod"), "same name");
	OK(!wait_same_cluster("old", "prod"), "another name");
	OK(wait_same_cluster("arn:aws:ecs:us-east-1:123456789012:cluster/prod", "prod"), "agent's ARN, config's name");
	OK(wait_same_cluster("prod", "arn:aws:ecs:us-east-1:123456789012:cluster/prod"), "agent's name, config's ARN");
	OK(!wait_same_cluster("arn:aws:ecs:us-east-1:123456789012:cluster/prod", "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"),
	   "two ARNs in other regions are other clusters");
	OK(!wait_same_cluster("arn:aws:ecs:us-east-1:1:cluster/prod-2", "prod"), "a name that is a prefix is another cluster");
	OK(!wait_same_cluster("default", "prod"), "the agent's default is not ecs.config's cluster");
	return tap_done();
}
